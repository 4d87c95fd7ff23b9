-- Invariant: for every account and day in the window, closing_balance = opening_balance + total_credits - total_debits, unless the quarantine explains the account-day.
{{ config(meta={'dagster': {'ref': {'name': 'fact_daily_balances'}}}) }}

with explained as (
    {{ quarantined_account_days() }}
)

select
    balances.account_id,
    balances.date_id,
    balances.opening_balance,
    balances.total_credits,
    balances.total_debits,
    balances.closing_balance
from {{ ref('fact_daily_balances') }} as balances
where
    {{ window_filter('balances.partition_date') }}
    and balances.closing_balance <> balances.opening_balance + balances.total_credits - balances.total_debits
    and not {{ is_explained('explained', 'balances.account_id', 'balances.partition_date') }}
