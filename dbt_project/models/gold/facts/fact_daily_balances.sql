{{ config(dist='account_id', sort=['partition_date']) }}

-- Grain: one row per account and day (account_id, date_id): the balance as of the end of the day.
-- Carries the natural ids (customer_id from the account version) and the surrogate keys of the
-- account and customer versions valid at the end of the day.
-- Windowed: a build writes the window's days, and its publish replaces them (macros/publish/candidates.sql).

{%- set end_of_day = last_second_of_day('balances.partition_date') %}

select
    balances.account_id,
    accounts.customer_id,
    balances.date_id,
    balances.currency_id,
    balances.opening_balance,
    balances.total_credits,
    balances.total_debits,
    balances.closing_balance,
    accounts.account_sk,
    customers.customer_sk,
    balances.partition_date
from {{ ref('stg_fact_daily_balances') }} as balances
{{ join_version_valid_at('dim_account', 'accounts', 'account_id', 'balances.account_id', end_of_day) }}
{{ join_version_valid_at('dim_customer', 'customers', 'customer_id', 'accounts.customer_id', end_of_day) }}
where {{ window_filter('balances.partition_date') }}
