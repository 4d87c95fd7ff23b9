-- Share of loan applications approved, per loan type.
select
    dl.loan_type,
    count(fl.loan_fact_id) as total_applications,
    count(case when fl.loan_status = 'Approved' then 1 end) as approved,
    count(case when fl.loan_status = 'Rejected' then 1 end) as rejected,
    round(
        100.0 * count(case when fl.loan_status = 'Approved' then 1 end)
        / count(fl.loan_fact_id),
        2
    ) as approval_rate
from dev_gold.fact_loan as fl
join dev_gold.dim_loan as dl on dl.loan_id = fl.loan_id
group by 1
order by approval_rate desc, 1
