{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    investment_id__as_sent as investment_id,
    customer_id__as_sent as customer_id,
    account_id__as_sent as account_id,
    investment_type_id__as_sent as investment_type_id,
    date_id__as_sent as date_id,
    investment_amount__as_sent as investment_amount,
    investment_return__as_sent as investment_return,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_fact_investment') }}
where quarantine_rule is not null
