{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    channel_id,
    channel_name,
    is_digital,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_channel') }}
where quarantine_rule is null
