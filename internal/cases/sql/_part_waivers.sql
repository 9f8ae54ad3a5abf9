-- The case's Waivers (parts.go), of case $1.
(SELECT json_agg(json_build_object('Side', w.side, 'Ground', w.ground,
    'ReasonEnc', encode(w.reason_enc, 'base64'), 'RecordedAt', w.recorded_at) ORDER BY w.side)
  FROM hearing_waivers w WHERE w.case_id = $1)
