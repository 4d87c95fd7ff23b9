{{ config(dist='all', sort=['investment_type_id']) }}

-- Grain: one row per investment type (investment_type_id), SCD Type 1: each key's row from the latest extract day loaded
-- (macros/scd1.sql), the same whatever order the days were loaded in. Rebuilt whole on every run.

{{ latest_extract_rows('stg_dim_investment_type', 'investment_type_id', ['investment_type_id', 'investment_type_name', 'risk_level']) }}
