{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    investment_id,
    customer_id,
    account_id,
    investment_type_id,
    date_id,
    investment_amount,
    investment_return,
    dt as partition_date
from {{ ref('validated_fact_investment') }}
where quarantine_rule is null
