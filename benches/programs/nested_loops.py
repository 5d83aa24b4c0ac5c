row = list(" " * 1000)
total = 0
for i in range(len(row)):
    for j in range(len(row)):
        total = total + (i * j) % 7
print(total)
