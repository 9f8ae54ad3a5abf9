-- The case's Hearings (parts.go), of case $1.
(SELECT json_agg(json_build_object('ID', h.id, 'PlannedAt', h.planned_at, 'Parties', h.parties,
    'LocationEnc', encode(h.location_enc, 'base64'), 'MinutesEnc', encode(h.minutes_enc, 'base64'),
    'Held', h.held, 'Version', h.version, 'WitnessID', h.witness_id) ORDER BY h.planned_at)
  FROM hearings h WHERE h.case_id = $1)
