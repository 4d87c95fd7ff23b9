{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_customer: every bronze row of dim_customers in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_customer keeps the good rows,
-- quarantine_dim_customer the others.

with

arrived as (

    select
        bronze.customer_id,
        case when erased.customer_id is not null then '[erased]' else bronze.first_name end as first_name,
        case when erased.customer_id is not null then '[erased]' else bronze.last_name end as last_name,
        case when erased.customer_id is not null then 'erased@erased.invalid' else bronze.email end as email,
        case when erased.customer_id is not null then '(000) 000-0000' else bronze.phone end as phone,
        case when erased.customer_id is not null then '1900-01-01' else bronze.date_of_birth end as date_of_birth,
        case when erased.customer_id is not null then '[erased]' else bronze.address end as address,
        bronze.city,
        bronze.state,
        bronze.country,
        bronze.customer_segment,
        bronze.join_date,
        bronze.updated_at,
        bronze.dt
    from {{ source('bronze', 'dim_customers') }} as bronze
    left join (select distinct customer_id from {{ erasure_list() }}) as erased
        on erased.customer_id = {{ safe_cast_text("nullif(trim(bronze.customer_id), '')", 'bigint') }}
    where {{ window_filter('bronze.dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(customer_id), '')", 'bigint') }} as customer_id__typed,
        nullif(first_name, '') as first_name__typed,
        nullif(last_name, '') as last_name__typed,
        nullif(email, '') as email__typed,
        nullif(phone, '') as phone__typed,
        {{ safe_cast_text("nullif(trim(date_of_birth), '')", 'date') }} as date_of_birth__typed,
        nullif(address, '') as address__typed,
        nullif(city, '') as city__typed,
        nullif(state, '') as state__typed,
        nullif(country, '') as country__typed,
        nullif(customer_segment, '') as customer_segment__typed,
        {{ safe_cast_text("nullif(trim(join_date), '')", 'date') }} as join_date__typed,
        {{ safe_cast_text("nullif(trim(updated_at), '')", 'timestamp') }} as updated_at__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(customer_id), '') is null
                then 'customer_id: null or empty'
            when nullif(trim(first_name), '') is null
                then 'first_name: null or empty'
            when nullif(trim(last_name), '') is null
                then 'last_name: null or empty'
            when nullif(trim(email), '') is null
                then 'email: null or empty'
            when nullif(trim(phone), '') is null
                then 'phone: null or empty'
            when nullif(trim(date_of_birth), '') is null
                then 'date_of_birth: null or empty'
            when nullif(trim(address), '') is null
                then 'address: null or empty'
            when nullif(trim(city), '') is null
                then 'city: null or empty'
            when nullif(trim(state), '') is null
                then 'state: null or empty'
            when nullif(trim(country), '') is null
                then 'country: null or empty'
            when nullif(trim(customer_segment), '') is null
                then 'customer_segment: null or empty'
            when nullif(trim(join_date), '') is null
                then 'join_date: null or empty'
            when nullif(trim(updated_at), '') is null
                then 'updated_at: null or empty'
            when nullif(trim(customer_id), '') is not null and customer_id__typed is null
                then 'customer_id: not an integer'
            when nullif(trim(date_of_birth), '') is not null and date_of_birth__typed is null
                then 'date_of_birth: not a date'
            when nullif(trim(join_date), '') is not null and join_date__typed is null
                then 'join_date: not a date'
            when nullif(trim(updated_at), '') is not null and updated_at__typed is null
                then 'updated_at: not a timestamp'
            when length(first_name) > 255
                then 'first_name: longer than 255 characters'
            when length(last_name) > 255
                then 'last_name: longer than 255 characters'
            when length(email) > 254
                then 'email: longer than 254 characters'
            when length(phone) > 32
                then 'phone: longer than 32 characters'
            when length(address) > 255
                then 'address: longer than 255 characters'
            when length(city) > 255
                then 'city: longer than 255 characters'
            when length(state) > 255
                then 'state: longer than 255 characters'
            when length(country) > 255
                then 'country: longer than 255 characters'
            when length(customer_segment) > 255
                then 'customer_segment: longer than 255 characters'
            when date_of_birth__typed < cast('1900-01-01' as date)
                then 'date_of_birth: before 1900-01-01'
            when date_of_birth__typed > dt
                then 'date_of_birth: after the extract day'
            when join_date__typed > dt
                then 'join_date: after the extract day'
            when customer_segment__typed is not null and customer_segment__typed not in ('Retail', 'Premium', 'Private')
                then 'customer_segment: not an allowed value'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        customer_id__typed as repeated_customer_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by customer_id__typed, dt
    having count(*) > 1

),

judged as (

    -- every row once: its rule 1-9, or, carrying a repeated key, rule 11 when the copies are not
    -- all identical, else rule 10 for every identical copy but one
    select
        ruled.*,
        ruled.row_rule as quarantine_rule
    from ruled
    left join repeated_keys
        on repeated_keys.repeated_customer_id = ruled.customer_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_customer_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.customer_id, ruled.first_name, ruled.last_name, ruled.email, ruled.phone, ruled.date_of_birth, ruled.address, ruled.city, ruled.state, ruled.country, ruled.customer_segment, ruled.join_date, ruled.updated_at, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.customer_id, ruled.first_name, ruled.last_name, ruled.email, ruled.phone, ruled.date_of_birth, ruled.address, ruled.city, ruled.state, ruled.country, ruled.customer_segment, ruled.join_date, ruled.updated_at, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_customer_id = ruled.customer_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'customer_id: null or empty' then 'customer_id: null or empty'
            when 'first_name: null or empty' then 'first_name: null or empty'
            when 'last_name: null or empty' then 'last_name: null or empty'
            when 'email: null or empty' then 'email: null or empty'
            when 'phone: null or empty' then 'phone: null or empty'
            when 'date_of_birth: null or empty' then 'date_of_birth: null or empty'
            when 'address: null or empty' then 'address: null or empty'
            when 'city: null or empty' then 'city: null or empty'
            when 'state: null or empty' then 'state: null or empty'
            when 'country: null or empty' then 'country: null or empty'
            when 'customer_segment: null or empty' then 'customer_segment: null or empty'
            when 'join_date: null or empty' then 'join_date: null or empty'
            when 'updated_at: null or empty' then 'updated_at: null or empty'
            when 'customer_id: not an integer' then 'customer_id: not an integer' || ' ''' || customer_id || ''''
            when 'date_of_birth: not a date' then 'date_of_birth: not a date'
            when 'join_date: not a date' then 'join_date: not a date' || ' ''' || join_date || ''''
            when 'updated_at: not a timestamp' then 'updated_at: not a timestamp' || ' ''' || updated_at || ''''
            when 'first_name: longer than 255 characters' then 'first_name: longer than 255 characters (' || cast(length(first_name) as varchar) || ')'
            when 'last_name: longer than 255 characters' then 'last_name: longer than 255 characters (' || cast(length(last_name) as varchar) || ')'
            when 'email: longer than 254 characters' then 'email: longer than 254 characters (' || cast(length(email) as varchar) || ')'
            when 'phone: longer than 32 characters' then 'phone: longer than 32 characters (' || cast(length(phone) as varchar) || ')'
            when 'address: longer than 255 characters' then 'address: longer than 255 characters (' || cast(length(address) as varchar) || ')'
            when 'city: longer than 255 characters' then 'city: longer than 255 characters (' || cast(length(city) as varchar) || ')'
            when 'state: longer than 255 characters' then 'state: longer than 255 characters (' || cast(length(state) as varchar) || ')'
            when 'country: longer than 255 characters' then 'country: longer than 255 characters (' || cast(length(country) as varchar) || ')'
            when 'customer_segment: longer than 255 characters' then 'customer_segment: longer than 255 characters (' || cast(length(customer_segment) as varchar) || ')'
            when 'date_of_birth: before 1900-01-01' then 'date_of_birth: before 1900-01-01'
            when 'date_of_birth: after the extract day' then 'date_of_birth: after the extract day ' || cast(dt as varchar)
            when 'join_date: after the extract day' then 'join_date: after the extract day ' || cast(dt as varchar) || ' ''' || join_date || ''''
            when 'customer_segment: not an allowed value' then 'customer_segment: not an allowed value' || ' ''' || customer_segment || ''''
            when 'conflicting copies of the key' then 'customer_id ' || trim(customer_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'customer_id ' || trim(customer_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        customer_id__typed as customer_id,
        first_name__typed as first_name,
        last_name__typed as last_name,
        email__typed as email,
        phone__typed as phone,
        date_of_birth__typed as date_of_birth,
        address__typed as address,
        city__typed as city,
        state__typed as state,
        country__typed as country,
        customer_segment__typed as customer_segment,
        join_date__typed as join_date,
        updated_at__typed as updated_at,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then customer_id end as customer_id__as_sent,
        case when quarantine_rule is not null then first_name end as first_name__as_sent,
        case when quarantine_rule is not null then last_name end as last_name__as_sent,
        case when quarantine_rule is not null then email end as email__as_sent,
        case when quarantine_rule is not null then phone end as phone__as_sent,
        case when quarantine_rule is not null then date_of_birth end as date_of_birth__as_sent,
        case when quarantine_rule is not null then address end as address__as_sent,
        case when quarantine_rule is not null then city end as city__as_sent,
        case when quarantine_rule is not null then state end as state__as_sent,
        case when quarantine_rule is not null then country end as country__as_sent,
        case when quarantine_rule is not null then customer_segment end as customer_segment__as_sent,
        case when quarantine_rule is not null then join_date end as join_date__as_sent,
        case when quarantine_rule is not null then updated_at end as updated_at__as_sent
    from explained

)

select * from final
