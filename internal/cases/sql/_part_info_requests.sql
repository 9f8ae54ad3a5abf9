-- The case's InfoRequests (parts.go), of case $1.
(SELECT json_agg(json_build_object('ID', q.id, 'WhatEnc', encode(q.what_enc, 'base64'),
    'TermUntil', to_char(q.term_until, 'YYYY-MM-DD"T00:00:00Z"'), 'RequestedAt', q.requested_at,
    'AnsweredAt', q.answered_at) ORDER BY q.requested_at)
  FROM information_requests q WHERE q.case_id = $1)
