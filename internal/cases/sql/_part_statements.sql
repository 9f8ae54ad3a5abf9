-- The case's Statements (parts.go), of case $1.
(SELECT json_agg(json_build_object('ID', s.id, 'Side', s.side,
    'BodyEnc', encode(s.body_enc, 'base64'), 'CreatedAt', s.created_at) ORDER BY s.created_at)
  FROM statements s WHERE s.case_id = $1)
