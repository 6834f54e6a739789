"""典型案例曝光 (typical-case publication): a closed case proposed for publication with its text
redacted (persons' names and every ID masked, PIPL), approved by the head, published, and withdrawn
within 3 working days when its decision is changed or annulled (行政处罚法 Art. 48; domain.md §6.4)."""
