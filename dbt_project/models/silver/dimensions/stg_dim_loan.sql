{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    loan_id,
    loan_type,
    loan_name,
    interest_rate,
    term_months,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_loan') }}
where quarantine_rule is null
