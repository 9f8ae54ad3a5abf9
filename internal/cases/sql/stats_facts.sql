-- What the statistical record of case $1 needs from its parts.
SELECT
  EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND kind = 'withdrawn') AS withdrawn,
  EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND kind = 'resolved_informally') AS resolved,
  (SELECT count(*) FROM case_elements WHERE case_id = $1 AND judgement = 'founded') AS founded,
  (SELECT count(*) FROM case_elements WHERE case_id = $1 AND judgement = 'partly_founded') AS partly,
  (SELECT count(*) FROM case_elements WHERE case_id = $1 AND judgement = 'unfounded') AS unfounded,
  (SELECT count(*) FROM hearings WHERE case_id = $1 AND held) AS hearings,
  (SELECT judgement FROM advices WHERE case_id = $1) AS judgement,
  (SELECT follows_advice FROM decisions WHERE case_id = $1) AS follows_advice
