"""Pages of diagnostics: `taking` (the participant), `expert` (the expert queue and the operator's
attempts and retakes); the authoring side adds its own modules."""
