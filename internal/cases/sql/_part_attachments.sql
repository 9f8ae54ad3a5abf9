-- The case's Attachments (parts.go), of case $1.
(SELECT json_agg(json_build_object('ID', a.id, 'Side', a.side,
    'FilenameEnc', encode(a.filename_enc, 'base64'), 'ContentType', a.content_type,
    'SizeBytes', a.size_bytes, 'CreatedAt', a.created_at) ORDER BY a.created_at)
  FROM attachments a WHERE a.case_id = $1)
