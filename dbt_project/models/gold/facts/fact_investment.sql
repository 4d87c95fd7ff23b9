{{ config(dist='customer_id', sort=['partition_date']) }}

-- Grain: one row per investment (investment_id). Carries the natural ids and the surrogate keys of
-- the customer and account versions valid at the end of the day (the fact has only a date).
-- Windowed: a build writes the window's days, and its publish replaces them (macros/publish/candidates.sql).

{%- set end_of_day = last_second_of_day('investments.partition_date') %}

select
    investments.investment_id,
    investments.customer_id,
    investments.account_id,
    investments.investment_type_id,
    investments.date_id,
    investments.investment_amount,
    investments.investment_return,
    customers.customer_sk,
    accounts.account_sk,
    investments.partition_date
from {{ ref('stg_fact_investment') }} as investments
{{ join_version_valid_at('dim_customer', 'customers', 'customer_id', 'investments.customer_id', end_of_day) }}
{{ join_version_valid_at('dim_account', 'accounts', 'account_id', 'investments.account_id', end_of_day) }}
where {{ window_filter('investments.partition_date') }}
