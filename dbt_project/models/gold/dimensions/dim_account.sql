{{ config(dist='all', sort=['account_id', 'valid_from']) }}

-- Grain: one row per account version (account_sk), SCD Type 2 from the runs of stg_dim_account
-- (macros/gold/scd2.sql), like dim_customer.

{{ scd2_versions('stg_dim_account', 'account_id', 'account_sk', [
    'account_id', 'customer_id', 'account_type', 'currency_id', 'account_status', 'open_date', 'updated_at',
]) }}
