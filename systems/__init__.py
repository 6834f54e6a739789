"""接入系统: the other systems that push leads to a bureau — the 12393 hotline's, the province's
screening platform — each with its own token, its leads waiting in the bureau's list of 接入线索
until an officer signs for them (and becomes their 承办人), never in a machine's inbox."""
