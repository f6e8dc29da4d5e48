"""tinyCam Monitor PRO web server driver (seed 002): transport -> protocol -> device."""
