{{ config(dist='all', sort=['account_id', 'valid_from']) }}

-- Grain: one row per account version (account_sk = hash(account_id, updated_at)), SCD Type 2.
-- A version is a distinct (account_id, updated_at) across every loaded extract day; when its
-- attributes differ between days, the latest extract day's win. Validity comes from lead() over
-- the versions (not a dbt snapshot), and the table is rebuilt from the whole silver history on
-- every run, so it is the same whatever order the days were loaded in, and reloading a corrected
-- day drops a version only that day had.

with

history as (

    select * from {{ ref('stg_dim_account') }}

),

latest_extract_first as (

    select
        history.*,
        row_number() over (partition by history.account_id, history.updated_at order by history.partition_date desc) as recency
    from history

),

versions as (

    select * from latest_extract_first
    where recency = 1

),

windowed as (

    select
        versions.*,
        lead(versions.updated_at) over (partition by versions.account_id order by versions.updated_at) as next_updated_at
    from versions

),

final as (

    select
        {{ surrogate_key(['account_id', 'updated_at']) }} as account_sk,
        account_id,
        customer_id,
        account_type,
        currency_id,
        account_status,
        open_date,
        updated_at,
        updated_at as valid_from,
        coalesce(next_updated_at, {{ scd2_end_of_time() }}) as valid_to,
        coalesce(next_updated_at is null, false) as is_current,
        partition_date as extract_date
    from windowed

)

select * from final
