"""Clinical: patients, appointments, encounters."""
