"""Block storage: volumes that outlive instances, and the port to the pool that holds them."""
