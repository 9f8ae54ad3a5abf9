-- The case's Elements (parts.go), of case $1.
(SELECT json_agg(json_build_object('Position', e.position,
    'DescriptionEnc', encode(e.description_enc, 'base64'), 'Judgement', e.judgement) ORDER BY e.position)
  FROM case_elements e WHERE e.case_id = $1)
