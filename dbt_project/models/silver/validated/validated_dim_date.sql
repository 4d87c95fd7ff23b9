{#- Written by `make contract` (banking_dw/dbt/contract_files.py) from banking_dw/contracts.py; change those, not this file. -#}

-- validated_dim_date: every bronze row of dim_dates in the window, typed and judged
-- once (rules: banking_dw/dbt/validation.py); stg_dim_date keeps the good rows,
-- quarantine_dim_date the others.

with

arrived as (

    select
        date_id,
        date,
        year,
        quarter,
        month,
        month_name,
        day_of_month,
        day_of_week,
        day_name,
        week_of_year,
        is_weekend,
        dt
    from {{ source('bronze', 'dim_dates') }}
    where {{ window_filter('dt') }}

),

typed as (

    select
        arrived.*,
        {{ safe_cast_text("nullif(trim(date_id), '')", 'integer') }} as date_id__typed,
        {{ safe_cast_text("nullif(trim(date), '')", 'date') }} as date__typed,
        {{ safe_cast_text("nullif(trim(year), '')", 'integer') }} as year__typed,
        {{ safe_cast_text("nullif(trim(quarter), '')", 'integer') }} as quarter__typed,
        {{ safe_cast_text("nullif(trim(month), '')", 'integer') }} as month__typed,
        nullif(month_name, '') as month_name__typed,
        {{ safe_cast_text("nullif(trim(day_of_month), '')", 'integer') }} as day_of_month__typed,
        {{ safe_cast_text("nullif(trim(day_of_week), '')", 'integer') }} as day_of_week__typed,
        nullif(day_name, '') as day_name__typed,
        {{ safe_cast_text("nullif(trim(week_of_year), '')", 'integer') }} as week_of_year__typed,
        {{ safe_cast_text("nullif(trim(is_weekend), '')", 'boolean') }} as is_weekend__typed
    from arrived

),

ruled as (

    -- rules 1-9: the first the row breaks, null when it breaks none
    select
        typed.*,
        case
            when nullif(trim(date_id), '') is null
                then 'date_id: null or empty'
            when nullif(trim(date), '') is null
                then 'date: null or empty'
            when nullif(trim(year), '') is null
                then 'year: null or empty'
            when nullif(trim(quarter), '') is null
                then 'quarter: null or empty'
            when nullif(trim(month), '') is null
                then 'month: null or empty'
            when nullif(trim(month_name), '') is null
                then 'month_name: null or empty'
            when nullif(trim(day_of_month), '') is null
                then 'day_of_month: null or empty'
            when nullif(trim(day_of_week), '') is null
                then 'day_of_week: null or empty'
            when nullif(trim(day_name), '') is null
                then 'day_name: null or empty'
            when nullif(trim(week_of_year), '') is null
                then 'week_of_year: null or empty'
            when nullif(trim(is_weekend), '') is null
                then 'is_weekend: null or empty'
            when nullif(trim(date_id), '') is not null and date_id__typed is null
                then 'date_id: not an integer'
            when nullif(trim(date), '') is not null and date__typed is null
                then 'date: not a date'
            when nullif(trim(year), '') is not null and year__typed is null
                then 'year: not an integer'
            when nullif(trim(quarter), '') is not null and quarter__typed is null
                then 'quarter: not an integer'
            when nullif(trim(month), '') is not null and month__typed is null
                then 'month: not an integer'
            when nullif(trim(day_of_month), '') is not null and day_of_month__typed is null
                then 'day_of_month: not an integer'
            when nullif(trim(day_of_week), '') is not null and day_of_week__typed is null
                then 'day_of_week: not an integer'
            when nullif(trim(week_of_year), '') is not null and week_of_year__typed is null
                then 'week_of_year: not an integer'
            when nullif(trim(is_weekend), '') is not null and is_weekend__typed is null
                then 'is_weekend: not a boolean'
            when length(month_name) > 255
                then 'month_name: longer than 255 characters'
            when length(day_name) > 255
                then 'day_name: longer than 255 characters'
        end as row_rule
    from typed

),

repeated_keys as (

    -- keys that more than one row breaking no rule carries: rules 10 and 11 look only at these
    select
        date_id__typed as repeated_date_id,
        dt as repeated_dt,
        count(*) as key_copies
    from ruled
    where row_rule is null
    group by date_id__typed, dt
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
        on repeated_keys.repeated_date_id = ruled.date_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is not null or repeated_keys.repeated_date_id is null

    union all

    select
        ruled.*,
        case
            when repeated_keys.key_copies > count(*) over (partition by ruled.date_id, ruled.date, ruled.year, ruled.quarter, ruled.month, ruled.month_name, ruled.day_of_month, ruled.day_of_week, ruled.day_name, ruled.week_of_year, ruled.is_weekend, ruled.dt) then 'conflicting copies of the key'
            when row_number() over (partition by ruled.date_id, ruled.date, ruled.year, ruled.quarter, ruled.month, ruled.month_name, ruled.day_of_month, ruled.day_of_week, ruled.day_name, ruled.week_of_year, ruled.is_weekend, ruled.dt order by ruled.dt) > 1 then 'exact duplicate'
        end as quarantine_rule
    from ruled
    inner join repeated_keys
        on repeated_keys.repeated_date_id = ruled.date_id__typed
        and repeated_keys.repeated_dt = ruled.dt
    where ruled.row_rule is null

),

explained as (

    -- the reason stored with a quarantined row: its rule, key and, unless personal, value
    select
        judged.*,
        case quarantine_rule
            when 'date_id: null or empty' then 'date_id: null or empty'
            when 'date: null or empty' then 'date: null or empty'
            when 'year: null or empty' then 'year: null or empty'
            when 'quarter: null or empty' then 'quarter: null or empty'
            when 'month: null or empty' then 'month: null or empty'
            when 'month_name: null or empty' then 'month_name: null or empty'
            when 'day_of_month: null or empty' then 'day_of_month: null or empty'
            when 'day_of_week: null or empty' then 'day_of_week: null or empty'
            when 'day_name: null or empty' then 'day_name: null or empty'
            when 'week_of_year: null or empty' then 'week_of_year: null or empty'
            when 'is_weekend: null or empty' then 'is_weekend: null or empty'
            when 'date_id: not an integer' then 'date_id: not an integer' || ' ''' || date_id || ''''
            when 'date: not a date' then 'date: not a date' || ' ''' || date || ''''
            when 'year: not an integer' then 'year: not an integer' || ' ''' || year || ''''
            when 'quarter: not an integer' then 'quarter: not an integer' || ' ''' || quarter || ''''
            when 'month: not an integer' then 'month: not an integer' || ' ''' || month || ''''
            when 'day_of_month: not an integer' then 'day_of_month: not an integer' || ' ''' || day_of_month || ''''
            when 'day_of_week: not an integer' then 'day_of_week: not an integer' || ' ''' || day_of_week || ''''
            when 'week_of_year: not an integer' then 'week_of_year: not an integer' || ' ''' || week_of_year || ''''
            when 'is_weekend: not a boolean' then 'is_weekend: not a boolean' || ' ''' || is_weekend || ''''
            when 'month_name: longer than 255 characters' then 'month_name: longer than 255 characters (' || cast(length(month_name) as varchar) || ')'
            when 'day_name: longer than 255 characters' then 'day_name: longer than 255 characters (' || cast(length(day_name) as varchar) || ')'
            when 'conflicting copies of the key' then 'date_id ' || trim(date_id) || ': conflicting copies of the key (different values), all quarantined'
            when 'exact duplicate' then 'date_id ' || trim(date_id) || ': exact duplicate of a row kept in silver'
        end as quarantine_reason
    from judged

),

final as (

    select
        date_id__typed as date_id,
        date__typed as date,
        year__typed as year,
        quarter__typed as quarter,
        month__typed as month,
        month_name__typed as month_name,
        day_of_month__typed as day_of_month,
        day_of_week__typed as day_of_week,
        day_name__typed as day_name,
        week_of_year__typed as week_of_year,
        is_weekend__typed as is_weekend,
        dt,
        quarantine_rule,
        quarantine_reason,
        -- as the bank sent it, for a quarantined row only: silver keeps the typed value
        case when quarantine_rule is not null then date_id end as date_id__as_sent,
        case when quarantine_rule is not null then date end as date__as_sent,
        case when quarantine_rule is not null then year end as year__as_sent,
        case when quarantine_rule is not null then quarter end as quarter__as_sent,
        case when quarantine_rule is not null then month end as month__as_sent,
        case when quarantine_rule is not null then month_name end as month_name__as_sent,
        case when quarantine_rule is not null then day_of_month end as day_of_month__as_sent,
        case when quarantine_rule is not null then day_of_week end as day_of_week__as_sent,
        case when quarantine_rule is not null then day_name end as day_name__as_sent,
        case when quarantine_rule is not null then week_of_year end as week_of_year__as_sent,
        case when quarantine_rule is not null then is_weekend end as is_weekend__as_sent
    from explained

)

select * from final
