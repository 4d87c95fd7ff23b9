{{ config(dist='all', sort=['loan_id']) }}

-- Grain: one row per loan product (loan_id), SCD Type 1: each key's row from the latest extract day loaded
-- (its latest run: macros/gold/scd1.sql), the same whatever order the days were loaded in. Rebuilt
-- whole on every run from the runs, whose number grows with the changes, not with the days.

{{ latest_extract_rows('stg_dim_loan', 'loan_id', ['loan_id', 'loan_type', 'loan_name', 'interest_rate', 'term_months']) }}
