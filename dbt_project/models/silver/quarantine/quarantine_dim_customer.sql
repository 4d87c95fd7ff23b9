{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

select
    customer_id__as_sent as customer_id,
    first_name__as_sent as first_name,
    last_name__as_sent as last_name,
    email__as_sent as email,
    phone__as_sent as phone,
    date_of_birth__as_sent as date_of_birth,
    address__as_sent as address,
    city__as_sent as city,
    state__as_sent as state,
    country__as_sent as country,
    customer_segment__as_sent as customer_segment,
    join_date__as_sent as join_date,
    updated_at__as_sent as updated_at,
    dt,
    quarantine_rule,
    quarantine_reason
from {{ ref('validated_dim_customer') }}
where quarantine_rule is not null
