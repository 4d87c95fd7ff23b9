{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    loan_fact_id,
    loan_id,
    customer_id,
    date_id,
    loan_amount,
    loan_status,
    dt as partition_date
from {{ ref('validated_fact_loan') }}
where quarantine_rule is null
