-- Invariant: for every account and day in the window, total_credits and total_debits equal the sums of that day's Completed transactions on the account by direction (credit / debit), unless the quarantine explains the account-day (one of its transactions or its balance row was quarantined).
{{ config(meta={'dagster': {'ref': {'name': 'fact_daily_balances'}}}) }}

with balances as (
    select
        account_id,
        partition_date,
        total_credits,
        total_debits
    from {{ ref('fact_daily_balances') }}
    where {{ window_filter('partition_date') }}
),

completed as (
    select
        transactions.account_id,
        transactions.partition_date,
        sum(case when types.direction = 'credit' then transactions.transaction_amount else 0 end) as credits,
        sum(case when types.direction = 'debit' then transactions.transaction_amount else 0 end) as debits
    from {{ ref('fact_transaction') }} as transactions
    inner join {{ ref('dim_transaction_type') }} as types
        on transactions.transaction_type_id = types.transaction_type_id
    where
        {{ window_filter('transactions.partition_date') }}
        and transactions.transaction_status = 'Completed'
    group by transactions.account_id, transactions.partition_date
),

explained as (
    {{ quarantined_account_days() }}
),

compared as (
    select
        coalesce(balances.account_id, completed.account_id) as account_id,
        coalesce(balances.partition_date, completed.partition_date) as partition_date,
        balances.total_credits,
        balances.total_debits,
        coalesce(completed.credits, 0) as completed_credits,
        coalesce(completed.debits, 0) as completed_debits
    from balances
    full outer join completed
        on
            balances.account_id = completed.account_id
            and balances.partition_date = completed.partition_date
)

select *
from compared
where (
    total_credits is null
    or total_credits <> completed_credits
    or total_debits <> completed_debits
)
and not {{ is_explained('explained', 'compared.account_id', 'compared.partition_date') }}
