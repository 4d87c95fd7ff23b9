{{ config(dist='all', sort=['transaction_type_id']) }}

-- Grain: one row per transaction type (transaction_type_id), SCD Type 1: each key's row from the latest extract day loaded
-- (macros/scd1.sql), the same whatever order the days were loaded in. Rebuilt whole on every run.

{{ latest_extract_rows('stg_dim_transaction_type', 'transaction_type_id', ['transaction_type_id', 'transaction_type_name', 'direction']) }}
