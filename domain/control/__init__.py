"""The cloud's own control services (Nova's scheduler and conductor, Cinder's scheduler)."""
