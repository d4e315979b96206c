"""Button polls on every platform: durable votes, live tallies, deadlines, results, export."""
