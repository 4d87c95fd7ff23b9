{{ config(dist='all', sort=['location_id']) }}

-- Grain: one row per location (location_id), SCD Type 1: each key's row from the latest extract day loaded
-- (its latest run: macros/gold/scd1.sql), the same whatever order the days were loaded in. Rebuilt
-- whole on every run from the runs, whose number grows with the changes, not with the days.

{{ latest_extract_rows('stg_dim_location', 'location_id', ['location_id', 'city', 'state', 'country', 'postal_code']) }}
