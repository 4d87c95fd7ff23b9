{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    account_id__as_sent as account_id,
    date_id__as_sent as date_id,
    currency_id__as_sent as currency_id,
    opening_balance__as_sent as opening_balance,
    total_credits__as_sent as total_credits,
    total_debits__as_sent as total_debits,
    closing_balance__as_sent as closing_balance,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_fact_daily_balances') }}
where quarantine_rule is not null
