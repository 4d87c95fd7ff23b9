{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    investment_type_id,
    investment_type_name,
    risk_level,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_investment_type') }}
where quarantine_rule is null
