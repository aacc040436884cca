"""Grant compliance: funders' programs (rule sets) as data, enrolments, the rules engine, the panel and the budget."""
