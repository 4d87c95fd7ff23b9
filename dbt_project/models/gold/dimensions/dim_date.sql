{{ config(dist='all', sort=['date_id']) }}

-- Grain: one row per calendar day (date_id), SCD Type 1: each key's row from the latest extract day loaded
-- (its latest run: macros/gold/scd1.sql), the same whatever order the days were loaded in. Rebuilt
-- whole on every run from the runs, whose number grows with the changes, not with the days.

{{ latest_extract_rows('stg_dim_date', 'date_id', [
    'date_id', 'date', 'year', 'quarter', 'month', 'month_name',
    'day_of_month', 'day_of_week', 'day_name', 'week_of_year', 'is_weekend',
]) }}
