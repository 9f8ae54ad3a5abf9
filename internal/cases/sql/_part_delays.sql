-- The case's Delays (parts.go), of case $1.
(SELECT json_agg(json_build_object('ID', y.id,
    'PreviousDueOn', to_char(y.previous_due_on, 'YYYY-MM-DD"T00:00:00Z"'), 'NewDueOn', to_char(y.new_due_on, 'YYYY-MM-DD"T00:00:00Z"'),
    'ConsentReceivedOn', to_char(y.consent_received_on, 'YYYY-MM-DD"T00:00:00Z"'), 'ConsentForm', y.consent_form,
    'ReasonEnc', encode(y.reason_enc, 'base64'), 'RecordedAt', y.recorded_at) ORDER BY y.recorded_at)
  FROM term_delays y WHERE y.case_id = $1)
