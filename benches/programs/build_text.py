steps = list(" " * 100000)
s = ""
for i in range(len(steps)):
    s = s + "x"
print(len(s))
