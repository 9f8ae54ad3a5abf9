-- The case's Decision (parts.go), of case $1.
(SELECT json_build_object('CaseID', d.case_id, 'FollowsAdvice', d.follows_advice,
    'ReasonsEnc', encode(d.reasons_enc, 'base64'), 'DecidedAt', d.decided_at)
  FROM decisions d WHERE d.case_id = $1)
