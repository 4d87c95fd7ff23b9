{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    loan_fact_id__as_sent as loan_fact_id,
    loan_id__as_sent as loan_id,
    customer_id__as_sent as customer_id,
    date_id__as_sent as date_id,
    loan_amount__as_sent as loan_amount,
    loan_status__as_sent as loan_status,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_fact_loan') }}
where quarantine_rule is not null
