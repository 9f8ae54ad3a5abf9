-- The parts of one case that its view shows (view.go), as one JSON object:
-- one round trip instead of one query per table. Keys are the Go field
-- names of the row types in model.go; bytea values are base64 (as
-- encoding/json reads []byte); timestamps are ISO 8601. An attachment's
-- content is never read here, only its metadata, of every side: which of
-- them the caller sees depends on the relation the service picks after
-- reading (view.go leaves the committee's own documents out for others).
-- Also read inside the case's own query (access.go); the case is the id parameter.
SELECT json_build_object(
  'Elements', (SELECT json_agg(json_build_object('Position', e.position,
      'DescriptionEnc', encode(e.description_enc, 'base64'), 'Judgement', e.judgement) ORDER BY e.position)
    FROM case_elements e WHERE e.case_id = $1),
  'Panel', (SELECT json_agg(json_build_object('id', p.id, 'name', p.name) ORDER BY p.name)
    FROM panel_members m JOIN persons p ON p.id = m.person_id WHERE m.case_id = $1),
  'InfoRequests', (SELECT json_agg(json_build_object('ID', q.id, 'WhatEnc', encode(q.what_enc, 'base64'),
      'TermUntil', to_char(q.term_until, 'YYYY-MM-DD"T00:00:00Z"'), 'RequestedAt', q.requested_at,
      'AnsweredAt', q.answered_at) ORDER BY q.requested_at)
    FROM information_requests q WHERE q.case_id = $1),
  'Statements', (SELECT json_agg(json_build_object('ID', s.id, 'Side', s.side,
      'BodyEnc', encode(s.body_enc, 'base64'), 'CreatedAt', s.created_at) ORDER BY s.created_at)
    FROM statements s WHERE s.case_id = $1),
  'Attachments', (SELECT json_agg(json_build_object('ID', a.id, 'Side', a.side,
      'FilenameEnc', encode(a.filename_enc, 'base64'), 'ContentType', a.content_type,
      'SizeBytes', a.size_bytes, 'CreatedAt', a.created_at) ORDER BY a.created_at)
    FROM attachments a WHERE a.case_id = $1),
  'Hearings', (SELECT json_agg(json_build_object('ID', h.id, 'PlannedAt', h.planned_at, 'Parties', h.parties,
      'LocationEnc', encode(h.location_enc, 'base64'), 'MinutesEnc', encode(h.minutes_enc, 'base64'),
      'Held', h.held, 'Version', h.version, 'WitnessID', h.witness_id) ORDER BY h.planned_at)
    FROM hearings h WHERE h.case_id = $1),
  'Advice', (SELECT json_build_object('CaseID', v.case_id, 'FindingsEnc', encode(v.findings_enc, 'base64'),
      'MeasuresEnc', encode(v.measures_enc, 'base64'), 'Judgement', v.judgement, 'AdoptedAt', v.adopted_at)
    FROM advices v WHERE v.case_id = $1),
  'Decision', (SELECT json_build_object('CaseID', d.case_id, 'FollowsAdvice', d.follows_advice,
      'ReasonsEnc', encode(d.reasons_enc, 'base64'), 'DecidedAt', d.decided_at)
    FROM decisions d WHERE d.case_id = $1),
  'Delays', (SELECT json_agg(json_build_object('ID', y.id,
      'PreviousDueOn', to_char(y.previous_due_on, 'YYYY-MM-DD"T00:00:00Z"'), 'NewDueOn', to_char(y.new_due_on, 'YYYY-MM-DD"T00:00:00Z"'),
      'ConsentReceivedOn', to_char(y.consent_received_on, 'YYYY-MM-DD"T00:00:00Z"'), 'ConsentForm', y.consent_form,
      'ReasonEnc', encode(y.reason_enc, 'base64'), 'RecordedAt', y.recorded_at) ORDER BY y.recorded_at)
    FROM term_delays y WHERE y.case_id = $1),
  'Waivers', (SELECT json_agg(json_build_object('Side', w.side, 'Ground', w.ground,
      'ReasonEnc', encode(w.reason_enc, 'base64'), 'RecordedAt', w.recorded_at) ORDER BY w.side)
    FROM hearing_waivers w WHERE w.case_id = $1)
)
