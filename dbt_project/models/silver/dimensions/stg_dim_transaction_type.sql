{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    transaction_type_id,
    transaction_type_name,
    direction,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_transaction_type') }}
where quarantine_rule is null
