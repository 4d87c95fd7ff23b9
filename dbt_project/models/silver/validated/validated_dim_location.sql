{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_location: every bronze row of dim_locations in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_location keeps the good rows,
-- quarantine_dim_location the others.

with

arrived as (

    select
        location_id,
        city,
        state,
        country,
        postal_code,
        dt
    from {{ source('bronze', 'dim_locations') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(location_id), '')", 'integer') }} as location_id__typed,
        nullif(city, '') as city__typed,
        nullif(state, '') as state__typed,
        nullif(country, '') as country__typed,
        nullif(postal_code, '') as postal_code__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(location_id), '') is null
                then 'location_id: null or empty'
            when nullif(trim(city), '') is null
                then 'city: null or empty'
            when nullif(trim(state), '') is null
                then 'state: null or empty'
            when nullif(trim(country), '') is null
                then 'country: null or empty'
            when nullif(trim(postal_code), '') is null
                then 'postal_code: null or empty'
            when nullif(trim(location_id), '') is not null and location_id__typed is null
                then 'location_id: not an integer'
            when length(city) > 255
                then 'city: longer than 255 characters'
            when length(state) > 255
                then 'state: longer than 255 characters'
            when length(country) > 255
                then 'country: longer than 255 characters'
            when length(postal_code) > 16
                then 'postal_code: longer than 16 characters'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        location_id__typed as repeated_location_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by location_id__typed, dt
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
        on repeated_keys.repeated_location_id = ruled.location_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_location_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.location_id, ruled.city, ruled.state, ruled.country, ruled.postal_code, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.location_id, ruled.city, ruled.state, ruled.country, ruled.postal_code, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_location_id = ruled.location_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'location_id: null or empty' then 'location_id: null or empty'
            when 'city: null or empty' then 'city: null or empty'
            when 'state: null or empty' then 'state: null or empty'
            when 'country: null or empty' then 'country: null or empty'
            when 'postal_code: null or empty' then 'postal_code: null or empty'
            when 'location_id: not an integer' then 'location_id: not an integer' || ' ''' || location_id || ''''
            when 'city: longer than 255 characters' then 'city: longer than 255 characters (' || cast(length(city) as varchar) || ')'
            when 'state: longer than 255 characters' then 'state: longer than 255 characters (' || cast(length(state) as varchar) || ')'
            when 'country: longer than 255 characters' then 'country: longer than 255 characters (' || cast(length(country) as varchar) || ')'
            when 'postal_code: longer than 16 characters' then 'postal_code: longer than 16 characters (' || cast(length(postal_code) as varchar) || ')'
            when 'conflicting copies of the key' then 'location_id ' || trim(location_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'location_id ' || trim(location_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        location_id__typed as location_id,
        city__typed as city,
        state__typed as state,
        country__typed as country,
        postal_code__typed as postal_code,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then location_id end as location_id__as_sent,
        case when quarantine_rule is not null then city end as city__as_sent,
        case when quarantine_rule is not null then state end as state__as_sent,
        case when quarantine_rule is not null then country end as country__as_sent,
        case when quarantine_rule is not null then postal_code end as postal_code__as_sent
    from explained

)

select * from final
