{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    loan_id__as_sent as loan_id,
    loan_type__as_sent as loan_type,
    loan_name__as_sent as loan_name,
    interest_rate__as_sent as interest_rate,
    term_months__as_sent as term_months,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_loan') }}
where quarantine_rule is not null
