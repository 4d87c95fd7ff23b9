{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    investment_type_id__as_sent as investment_type_id,
    investment_type_name__as_sent as investment_type_name,
    risk_level__as_sent as risk_level,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_investment_type') }}
where quarantine_rule is not null
