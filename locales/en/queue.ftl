## The staff queue in private chat (/queue) and the reports spreadsheet (/export, `hromada-bot export issues`).

queue-status-new = New
queue-status-in_progress = In progress
queue-status-escalated = Escalated to the national level
queue-status-resolved = Resolved
queue-status-declined = Declined
queue-status-merged = Merged into another

queue-group-women = women
queue-group-men = men
queue-group-children = children
queue-group-older = older people
queue-group-disabled = people with disabilities
queue-group-idp = internally displaced persons
queue-group-veterans = veterans

## The spreadsheet

queue-export-sheet = Reports
queue-export-yes = yes
queue-export-no = no
queue-export-column-reference = Reference
queue-export-column-title = Title
queue-export-column-created = Created
queue-export-column-submitted = Submitted
queue-export-column-deadline = Response deadline
queue-export-column-status = Status
queue-export-column-category = Category
queue-export-column-urgency = Urgency
queue-export-column-associations = Associations
queue-export-column-hromada = Hromada
queue-export-column-oblast = Oblast
queue-export-column-katottg = KATOTTG code
queue-export-column-hromadas = Hromadas
queue-export-column-oblasts = Oblasts
queue-export-column-residents = Residents
queue-export-column-cosigners = Co-signers
queue-export-column-groups = Affected groups
queue-export-column-first-response = First response, hours
queue-export-column-resolution = Resolution, hours
queue-export-column-dream = DREAM project id
queue-export-column-joint = Joint
queue-export-column-assignee = Assignee
