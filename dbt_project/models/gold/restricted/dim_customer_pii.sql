{{ config(dist='all', sort=['customer_id', 'valid_from']) }}

-- Grain: one row per customer version (customer_sk), SCD Type 2, with the clear personal values:
-- the restricted model analysts' dim_customer masks (macros/gold/scd2.sql).

{{ scd2_versions('stg_dim_customer', 'customer_id', 'customer_sk', [
    'customer_id', 'first_name', 'last_name', 'email', 'phone', 'date_of_birth', 'address',
    'city', 'state', 'country', 'customer_segment', 'join_date', 'updated_at',
]) }}
