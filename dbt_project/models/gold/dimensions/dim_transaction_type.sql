{{ config(dist='all', sort=['transaction_type_id']) }}

-- Grain: one row per transaction type (transaction_type_id), SCD Type 1: each key's row from the latest extract day loaded
-- (its latest run: macros/gold/scd1.sql), the same whatever order the days were loaded in. Rebuilt
-- whole on every run from the runs, whose number grows with the changes, not with the days.

{{ latest_extract_rows('stg_dim_transaction_type', 'transaction_type_id', ['transaction_type_id', 'transaction_type_name', 'direction']) }}
