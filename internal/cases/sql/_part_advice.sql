-- The case's Advice (parts.go), of case $1.
(SELECT json_build_object('CaseID', v.case_id, 'FindingsEnc', encode(v.findings_enc, 'base64'),
    'MeasuresEnc', encode(v.measures_enc, 'base64'), 'Judgement', v.judgement, 'AdoptedAt', v.adopted_at)
  FROM advices v WHERE v.case_id = $1)
