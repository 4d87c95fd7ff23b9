{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    customer_id,
    first_name,
    last_name,
    email,
    phone,
    date_of_birth,
    address,
    city,
    state,
    country,
    customer_segment,
    join_date,
    updated_at,
    dt as first_extract_date,
    dt as last_extract_date
from {{ ref('validated_dim_customer') }}
where quarantine_rule is null
