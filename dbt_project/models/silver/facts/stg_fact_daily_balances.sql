{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    account_id,
    date_id,
    currency_id,
    opening_balance,
    total_credits,
    total_debits,
    closing_balance,
    dt as partition_date
from {{ ref('validated_fact_daily_balances') }}
where quarantine_rule is null
