"""FAQ content: one YAML file per topic group, in kk/ru/en (checked by `zhasbot faq validate`)."""
