-- The next case number of the sequence behind RKC-<year>-<n>.
SELECT nextval('case_number_seq')
